"""Console pages of the devices app: the device page with its panes, and plans."""
