"""RSS feeds and sitemaps: public content for feed readers and crawlers."""
