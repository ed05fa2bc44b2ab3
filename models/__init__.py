"""The showcase: attention-based translation built only from minigrad's ops."""
