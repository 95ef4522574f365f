"""Labelling services: projects, layers, sources, annotations, annotators, consensus, catalogue import and export."""
