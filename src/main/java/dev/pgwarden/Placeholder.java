package dev.pgwarden;
class Placeholder {}
