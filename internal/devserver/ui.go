package devserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// newUI builds the Web UI server for the frontend at grpcAddr.
func newUI(ip string, port int, grpcAddr, namespace, codecEndpoint string) *uiserver.Server {
	return uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                ip,
		Port:                port,
		TemporalGRPCAddress: grpcAddr,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		Codec: uiconfig.Codec{
			Endpoint: codecEndpoint,
			// The UI refuses to send a token to a plain-http endpoint (and then decodes
			// nothing), so the token goes only to https endpoints.
			PassAccessToken: strings.HasPrefix(codecEndpoint, "https://"),
		},
		// Plain HTTP on loopback: the CSRF cookie must not be Secure-only.
		CORS:             uiconfig.CORS{CookieInsecure: true},
		HideLogs:         true,
		DisableNewsFetch: true,
		// Read-only: the UI has no login, and a case changes only through the
		// API, which checks the caller's role and signs the event. A start,
		// signal, update, cancel, reset or terminate from the UI is refused.
		DisableWriteActions: true,
	}))
}

// waitHTTP polls url until it answers 200.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer: %w", url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
