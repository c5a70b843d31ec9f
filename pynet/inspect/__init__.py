"""Looking inside networks. Import the submodule you need (matplotlib is optional everywhere:
without it, images render as ASCII art in the terminal):

pynet.inspect.images    image grids (PNG or ASCII), back-query images, weight tiles
pynet.inspect.curves    cost/accuracy curves, train-vs-evaluation overlay, misclassified grid
pynet.inspect.convnet   activation maps, filter patterns by gradient ascent, Grad-CAM
pynet.inspect.figures   legends beside the axes, never over the data
"""
