"""`pos-tui admin`: the back office for a store operator, over SSH, on the lane's database."""
