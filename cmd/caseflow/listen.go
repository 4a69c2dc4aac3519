package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"strings"
)

// listenFlags are how the HTTP API meets the network: TLS of its own, or a
// proxy in front that terminates TLS.
type listenFlags struct {
	tlsCert, tlsKey string
	behindTLSProxy  bool
}

func (l *listenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.tlsCert, "http-tls-cert", "", "serve the HTTP API over TLS with this certificate (PEM; with --http-tls-key)")
	fs.StringVar(&l.tlsKey, "http-tls-key", "", "the key (PEM) of --http-tls-cert")
	fs.BoolVar(&l.behindTLSProxy, "behind-tls-proxy", false, "a proxy in front terminates TLS: plaintext --http on a non-loopback address is then allowed")
}

// check loads the TLS certificate, if any, and refuses a plaintext listener on
// an address other machines can reach unless a TLS proxy is said to be in front:
// bearer tokens and personal data must not cross a network in clear.
func (l *listenFlags) check(flagName, addr string) (*tls.Config, error) {
	if (l.tlsCert == "") != (l.tlsKey == "") {
		return nil, fmt.Errorf("--http-tls-cert and --http-tls-key go together")
	}
	if l.tlsCert != "" {
		pair, err := tls.LoadX509KeyPair(l.tlsCert, l.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("--http-tls-cert/--http-tls-key: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
	}
	if !l.behindTLSProxy && !isLoopback(addr) {
		return nil, fmt.Errorf("%s %s is not a loopback address and would serve plaintext HTTP: give --http-tls-cert and --http-tls-key, or --behind-tls-proxy when a proxy in front terminates TLS", flagName, addr)
	}
	return nil, nil
}

// scheme is the scheme clients reach the API with.
func (l *listenFlags) scheme() string {
	if l.tlsCert != "" {
		return "https"
	}
	return "http"
}

// isLoopback reports whether every address addr (host:port) listens on is a
// loopback one; an empty host listens on all of them.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listen listens on addr, with TLS when tlsCfg is not nil.
func listen(addr string, tlsCfg *tls.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	return ln, nil
}
