from govwatch.cli import main

main()
