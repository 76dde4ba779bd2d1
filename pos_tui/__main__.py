from pos_tui.cli import main

main(prog_name="pos-tui")
