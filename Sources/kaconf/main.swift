print("kaconf")
