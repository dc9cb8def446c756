module example.com/kafka-zero-committed

go 1.23

require labgrade.dev/maelstrom v0.0.0
