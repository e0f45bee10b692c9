"""The learned recognizer: candidates scored by a trained model (recognize, features),
the model file (model), training and cross-validation (train)."""
