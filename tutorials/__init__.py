"""pynet's lessons. Each ``NN_name.py`` re-runs an experiment of the texts and prints the book's
number beside ours; ``pynet list`` shows them and ``pynet tour`` runs them all."""
