"""The wall screen: a kiosk page of every deployment's health and governance, live, opened by a person or a token.

`board` builds what a wall shows from the caches the workers keep (never an upstream call), `screens` owns the wall
tokens, `views` and `urls` serve `/wall/`.
"""
