# lib/pbjson: placeholder, filled by its module
