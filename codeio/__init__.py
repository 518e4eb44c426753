"""codeio: CodeI/O data, training and evaluation."""
