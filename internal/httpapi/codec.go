package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// codecPrefix is where the remote payload codec is mounted.
const codecPrefix = "/v1/codec"

// codecHeaders are the request headers a browser may send to the codec.
const codecHeaders = "Authorization, Authorization-Extras, Content-Type, X-Namespace"

// codec serves the Temporal UI's remote codec: CORS for the allowed origins (a
// preflight needs no token), then a valid token of any role (or, with
// trustOrigins, an allowed Origin instead), then the codec with
// the prefix stripped, so /v1/codec/decode reaches it as /decode. The codec
// bounds its own request bodies.
func (s *Server) codec(h http.Handler, origins []string, trustOrigins bool) http.Handler {
	inner := http.StripPrefix(codecPrefix, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && slices.ContainsFunc(origins, func(o string) bool {
			return strings.EqualFold(strings.TrimSuffix(o, "/"), origin)
		})
		if origin != "" {
			w.Header().Add("Vary", "Origin")
		}
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions {
			if !allowed {
				s.writeError(w, r, errorf(ECodeForbidden, "origin %q may not call the codec", origin))
				return
			}
			w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", codecHeaders)
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if trustOrigins && allowed {
			inner.ServeHTTP(w, r)
			return
		}
		if _, ok := s.authenticate(r); !ok {
			s.writeError(w, r, errorf(ECodeUnauthorized, "a valid bearer token is required (Authorization: Bearer <token>)"))
			return
		}
		inner.ServeHTTP(w, r)
	})
}
