module example.com/g-counter-seq-kv

go 1.23

require labgrade.dev/maelstrom v0.0.0
