"""Cases: what people bring to the centre, from intake through routing and handling to closure and rating."""
