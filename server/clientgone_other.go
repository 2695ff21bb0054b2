//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package server

import "net"

// watchConn does not watch on this platform: a request whose client went
// away runs to its end.
func watchConn(net.Conn, func()) (stop func()) { return func() {} }
