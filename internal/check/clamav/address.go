package clamav

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ParseAddress reads the address of a clamd as configuration gives it and
// returns the network ("tcp" or "unix") and the address for net.Dial:
//
//	"127.0.0.1:3310", "clamd.internal:3310", "[::1]:3310" → "tcp", as given
//	"tcp://127.0.0.1:3310"                              → "tcp", "127.0.0.1:3310"
//	"unix:///run/clamav/clamd.ctl"                      → "unix", "/run/clamav/clamd.ctl"
//	"/run/clamav/clamd.ctl"                             → "unix", as given
//
// A TCP address needs a host and a port from 1 to 65535; a socket path
// must be absolute. Anything else is an error that quotes s.
func ParseAddress(s string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(s, "unix://"):
		return unixAddress(s, strings.TrimPrefix(s, "unix://"))
	case strings.HasPrefix(s, "/"):
		return unixAddress(s, s)
	case strings.HasPrefix(s, "tcp://"):
		return tcpAddress(s, strings.TrimSuffix(strings.TrimPrefix(s, "tcp://"), "/"))
	case strings.Contains(s, "://"):
		return "", "", fmt.Errorf("clamav: address %q: the scheme is not tcp:// or unix://", s)
	default:
		return tcpAddress(s, s)
	}
}

func unixAddress(s, path string) (string, string, error) {
	if !strings.HasPrefix(path, "/") {
		return "", "", fmt.Errorf("clamav: address %q: a Unix socket path must be absolute", s)
	}
	return "unix", path, nil
}

func tcpAddress(s, hostport string) (string, string, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || host == "" {
		return "", "", fmt.Errorf("clamav: address %q: want host:port (e.g. 127.0.0.1:3310), tcp://host:port, unix:///path or an absolute path", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("clamav: address %q: the port must be a number from 1 to 65535", s)
	}
	return "tcp", hostport, nil
}
