module example.com/pn-counter-local-only

go 1.23

require labgrade.dev/maelstrom v0.0.0
