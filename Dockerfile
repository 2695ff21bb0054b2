# Kabinet server image. Build and run:
#
#   docker build --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse HEAD) -t kabinet .
#   docker run -p 8080:8080 -v kabinet-data:/var/lib/kabinet -e KABINET_SECRET=... kabinet
#
# See docs/deploy.md. cmd/kabinet/dockerfile_test.go checks the rules this
# file keeps (multi-stage, cgo, non-root, volume, health check on /readyz).

# --- build: mattn/go-sqlite3 needs cgo, so a glibc toolchain image
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=1 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/kabinet ./cmd/kabinet

# --- run: the same Debian release as the build stage (glibc), with CA roots
# for FCM, APNs and SMTP over TLS, and the time zone database for
# organisations' and phones' zones.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 kabinet \
 && useradd --system --uid 10001 --gid kabinet --home-dir /var/lib/kabinet --create-home --shell /usr/sbin/nologin kabinet
COPY --from=build /out/kabinet /usr/local/bin/kabinet
ENV KABINET_ADDR=:8080 \
    KABINET_DB=/var/lib/kabinet/kabinet.db
WORKDIR /var/lib/kabinet
VOLUME ["/var/lib/kabinet"]
USER kabinet:kabinet
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["kabinet", "healthcheck", "--url", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["kabinet"]
CMD ["serve"]
