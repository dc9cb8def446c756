module example.com/kafka-local-offsets

go 1.23

require labgrade.dev/maelstrom v0.0.0
