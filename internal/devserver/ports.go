package devserver

import (
	"fmt"
	"net"
	"strconv"
)

const loopback = "127.0.0.1"

// FreeAddr returns a 127.0.0.1:port address that was free a moment ago.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	if err != nil {
		return "", fmt.Errorf("unable to find a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("unable to find a free port: %w", err)
	}
	return addr, nil
}

// checkFree reports an error when addr cannot be listened on right now.
func checkFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// splitAddr splits host:port into an IP and a port. An empty host or "localhost"
// means 127.0.0.1; port 0 picks a free port.
func splitAddr(addr string) (ip string, port int, err error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if host == "" || host == "localhost" {
		host = loopback
	}
	if net.ParseIP(host) == nil {
		return "", 0, fmt.Errorf("host %q is not an IP address", host)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	if port == 0 {
		free, err := FreeAddr()
		if err != nil {
			return "", 0, err
		}
		_, p, _ = net.SplitHostPort(free)
		port, _ = strconv.Atoi(p)
	}
	return host, port, nil
}

// dialHost is the address to connect to for a listener bound to ip:port: a
// wildcard bind is reached through loopback.
func dialHost(ip string, port int) string {
	if net.ParseIP(ip).IsUnspecified() {
		ip = loopback
	}
	return net.JoinHostPort(ip, strconv.Itoa(port))
}

// internalPorts picks n loopback ports for the services behind the frontend:
// frontend+1, +2, … when free, so that a restart usually finds the same ports,
// otherwise any free port.
func internalPorts(frontend, n int) ([]int, error) {
	taken := map[int]bool{frontend: true}
	ports := make([]int, 0, n)
	for i := 1; len(ports) < n; i++ {
		p := frontend + i
		if i > n || p > 65535 {
			break
		}
		if checkFree(net.JoinHostPort(loopback, strconv.Itoa(p))) == nil {
			ports = append(ports, p)
			taken[p] = true
		}
	}
	for len(ports) < n {
		addr, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		_, s, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(s)
		if !taken[p] {
			ports = append(ports, p)
			taken[p] = true
		}
	}
	return ports, nil
}
