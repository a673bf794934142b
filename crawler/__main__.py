# `python -m crawler` (DESIGN's contract) is `python -m govwatch`
from govwatch.cli import main

main()
