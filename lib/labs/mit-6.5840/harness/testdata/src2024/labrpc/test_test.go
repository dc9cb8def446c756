package labrpc

import "testing"

func TestBasic(t *testing.T) { t.Fatal("not ours to run") }
