//go:build linux || darwin || freebsd || netbsd || openbsd

package server

import (
	"net"
	"syscall"
	"time"
)

// watchConn calls gone once the client closes (or resets) conn while its
// request is being served, as net/http's server does for its handlers:
// it waits for the socket to become readable and peeks, without consuming
// a byte, whether that is the end of the stream. Bytes of a pipelined
// request mean the client is still there, and end the watch. stop ends the
// watch and must be called before the server reads from conn again.
func watchConn(conn net.Conn, gone func()) (stop func()) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return func() {}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf [1]byte
		raw.Read(func(fd uintptr) bool {
			n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case err == syscall.EAGAIN || err == syscall.EINTR:
				return false // nothing yet: wait for the socket
			case n > 0:
				return true
			default:
				gone()
				return true
			}
		})
	}()
	return func() {
		// Wake the watcher; the server sets its own deadline before it
		// reads the next request.
		conn.SetReadDeadline(time.Unix(1, 0))
		<-done
	}
}
