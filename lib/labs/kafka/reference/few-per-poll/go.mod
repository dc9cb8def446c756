module example.com/kafka-few-per-poll

go 1.23

require labgrade.dev/maelstrom v0.0.0
