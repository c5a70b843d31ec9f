"""Datasets: MNIST (a 10k/10k subset ships inside pynet), Fashion-MNIST, IDX and CSV files."""
