from pos_tui.cli import main

main()
