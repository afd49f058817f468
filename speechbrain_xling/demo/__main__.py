"""``python -m speechbrain_xling.demo``: the embedded default (see the package)."""

from speechbrain_xling.demo.run import main

if __name__ == "__main__":
    main()
