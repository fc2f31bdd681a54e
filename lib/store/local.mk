# lib/store: placeholder, filled by its module
