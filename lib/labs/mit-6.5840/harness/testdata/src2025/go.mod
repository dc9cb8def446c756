module 6.5840

go 1.22

require github.com/anishathalye/porcupine v1.0.0
