module example.com/kafka-numeric-keys

go 1.23

require labgrade.dev/maelstrom v0.0.0
