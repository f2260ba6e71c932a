# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for kmt_decode_diff.
