module example.com/lin-kv-stale-cache

go 1.23

require labgrade.dev/maelstrom v0.0.0
