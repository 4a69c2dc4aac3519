package httpapi

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
)

// codecPrefix is where the remote payload codec is mounted.
const codecPrefix = "/v1/codec"

// codecHeaders are the request headers a browser may send to the codec.
const codecHeaders = "Authorization, Authorization-Extras, Content-Type, X-Namespace"

// codec serves the Temporal UI's remote codec: CORS for the allowed origins (a
// preflight needs no token), then a valid token of an admin or a supervisor, then the codec with
// the prefix stripped, so /v1/codec/decode reaches it as /decode. With uiSecret
// set, a request from an allowed origin under /v1/codec/<uiSecret>/ needs no
// token: the secret, which only the UI was given, stands for it. The codec bounds
// its own request bodies.
func (s *Server) codec(h http.Handler, origins []string, uiSecret string) http.Handler {
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
		if allowed && uiSecret != "" && underSecret(r.URL.Path, uiSecret) {
			http.StripPrefix(codecPrefix+"/"+uiSecret, h).ServeHTTP(w, r)
			return
		}
		caller, ok := s.authenticate(r)
		if !ok {
			s.writeError(w, r, errorf(ECodeUnauthorized, "a valid bearer token is required (Authorization: Bearer <token>)"))
			return
		}
		// The codec decrypts any case's payloads: only roles that read every case.
		if !slices.Contains(codecRoles, caller.Role) {
			s.writeError(w, r, errorf(ECodeForbidden, "role %q may not call the codec (allowed: %s)", caller.Role, strings.Join(codecRoles, ", ")))
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// underSecret reports whether path is /v1/codec/<secret>/…, comparing the
// secret in constant time.
func underSecret(path, secret string) bool {
	rest, ok := strings.CutPrefix(path, codecPrefix+"/")
	if !ok {
		return false
	}
	seg, _, ok := strings.Cut(rest, "/")
	return ok && subtle.ConstantTimeCompare([]byte(seg), []byte(secret)) == 1
}
