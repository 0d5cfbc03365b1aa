-- 婚姻状况, a column of every community's population sheet (and of the importer's field list).
ALTER TABLE persons ADD COLUMN marital_status TEXT;
