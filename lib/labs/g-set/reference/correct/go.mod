module example.com/g-set-correct

go 1.23

require labgrade.dev/maelstrom v0.0.0
