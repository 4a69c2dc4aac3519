package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/caseflow/caseflow/internal/config"
)

// TestDevLinksFollowTheAPI: under caseflow dev the example configuration's
// links point at the API's own address (--http); a configured base URL stays.
func TestDevLinksFollowTheAPI(t *testing.T) {
	cfg := config.Example()
	devLinks(cfg, "http://127.0.0.1:18080")
	assert.Equal(t, "http://127.0.0.1:18080", cfg.Links.BaseURL)

	cfg = config.Example()
	cfg.Links.BaseURL = "https://cases.example.com"
	devLinks(cfg, "http://127.0.0.1:18080")
	assert.Equal(t, "https://cases.example.com", cfg.Links.BaseURL)
}
