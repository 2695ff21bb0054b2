package server

import (
	"net/http"
	"testing"
)

// TestClientAddr: forwarding headers are believed only from trusted
// proxies, and read from the right.
func TestClientAddr(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 192.168.1.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{TrustedProxies: proxies}}
	for _, c := range []struct {
		name, remote string
		header       map[string]string
		want         string
	}{
		{"Direct", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"UntrustedPeerForges", "203.0.113.7:5000", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.7"},
		{"TrustedProxy", "10.1.2.3:5000", map[string]string{"X-Forwarded-For": "198.51.100.9"}, "198.51.100.9"},
		{"ClientForgesLeftmost", "10.1.2.3:5000", map[string]string{"X-Forwarded-For": "1.2.3.4, 198.51.100.9"}, "198.51.100.9"},
		{"ProxyChain", "10.1.2.3:5000", map[string]string{"X-Forwarded-For": "198.51.100.9, 192.168.1.1, 10.9.9.9"}, "198.51.100.9"},
		{"Forwarded", "[::1]:5000", map[string]string{"Forwarded": `for=1.2.3.4, for="[2001:db8::1]:443";proto=https`}, "2001:db8::1"},
		{"RealIP", "192.168.1.1:80", map[string]string{"X-Real-Ip": "198.51.100.10"}, "198.51.100.10"},
		{"Garbage", "10.1.2.3:5000", map[string]string{"X-Forwarded-For": "198.51.100.9, unknown"}, "10.1.2.3"},
		{"NoHeader", "10.1.2.3:5000", nil, "10.1.2.3"},
	} {
		h := http.Header{}
		for k, v := range c.header {
			h.Set(k, v)
		}
		if got := s.clientAddr(c.remote, h); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	if _, err := ParseProxies("10.0.0.0/8, nonsense"); err == nil {
		t.Error("ParseProxies accepted nonsense")
	}
}
