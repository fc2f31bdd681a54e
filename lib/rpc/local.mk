# lib/rpc: placeholder, filled by its module
