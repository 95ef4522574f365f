"""Learning services: pretraining, the probe session, predictions, picking, accuracy, the embedding view."""
