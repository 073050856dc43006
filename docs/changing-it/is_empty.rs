        self.name.is_none() && self.email.is_none() && self.bio.is_none()
