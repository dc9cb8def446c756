module example.com/broadcast-no-retry

go 1.23

require labgrade.dev/maelstrom v0.0.0
