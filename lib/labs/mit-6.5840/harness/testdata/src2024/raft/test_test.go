package raft

import "testing"

func TestInitialElection3A(t *testing.T) { t.Fatal("the in-process tests are not ours to run") }
