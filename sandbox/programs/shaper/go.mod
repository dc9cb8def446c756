module labgrade.dev/shaper

go 1.23
