"""The follow graph: follows, follow requests, blocks, mutes, relationships."""
