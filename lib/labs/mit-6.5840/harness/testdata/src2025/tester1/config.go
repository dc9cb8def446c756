package tester

// Stand-in for the skeleton's tester: it needs porcupine, which the offline build cannot fetch.

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

type Config struct {
	t *testing.T
	m porcupine.Model
}
