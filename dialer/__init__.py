"""dialer"""
