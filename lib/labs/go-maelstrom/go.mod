module labgrade.dev/maelstrom

go 1.23
