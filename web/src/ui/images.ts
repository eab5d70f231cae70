/** The image formats the API takes (JPEG, PNG, WebP), for file inputs' `accept`. */
export const IMAGE_TYPES = "image/jpeg,image/png,image/webp";
