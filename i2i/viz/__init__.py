"""Pictures drawn with Pillow alone (no matplotlib): sample grids, plots, the run page.

To add a picture, write a function returning a ``PIL.Image`` in its own file here and save
it with ``i2i.images.save_image_atomic``.
"""
